from setuptools import find_packages, setup

package_name = 'fracturescope_bag'

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
    description='Record topics into rosbag2 MCAP bags and play bags back without the ros2 CLI.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'fracturescope-bag = fracturescope_bag.cli:main',
        ],
    },
)
