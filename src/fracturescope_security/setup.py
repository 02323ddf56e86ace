from setuptools import find_packages, setup

package_name = 'fracturescope_security'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml', 'README.md']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='SROS2 keystore for the robot: CA, one enclave per node, least-privilege permissions from the graph.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': ['fracturescope-keystore = fracturescope_security.cli:main'],
    },
)
