from setuptools import find_packages, setup

package_name = 'fracturescope_common'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Parameters with descriptions, diagnostics, stamps and QoS shared by every FractureScope node.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'static_frames = fracturescope_common.nodes.static_frames:main',
        ],
    },
)
